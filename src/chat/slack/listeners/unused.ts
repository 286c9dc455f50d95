// Interactions this bot does not use (modals closed or submitted, shortcuts, menu options): ack,
// so Slack shows no error and Bolt no 3-second timeout.
export async function ackUnused({ ack }: { ack: () => Promise<void> }): Promise<void> {
  await ack().catch(() => undefined);
}

/** An external select asking for options: there are none. */
export async function noOptions({ ack }: { ack: (answer: { options: [] }) => Promise<void> }): Promise<void> {
  await ack({ options: [] }).catch(() => undefined);
}
