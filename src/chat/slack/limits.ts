// Block Kit's documented limits, and a pure validator of them. Slack refuses a whole message
// (invalid_blocks) when one limit is broken, so the renderer trims to these numbers and the tests
// run every rendered message through validateMessage / validateView.
// Lengths are counted in UTF-16 code units (JavaScript's .length), never fewer than Slack counts.

export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  /** Slack truncates the top-level `text` of a message beyond this */
  messageText: 40_000,
  blockId: 255,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  modalTitle: 24,
  modalButton: 24,
  callbackId: 255,
  privateMetadata: 3000,
  /** a view's JSON in bytes (UTF-8): views.open refuses a larger one whole with view_too_large */
  viewBytes: 250_000,
} as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problems of one message ({text, blocks}); an empty list means Slack will take it. */
export function validateMessage(message: { text?: unknown; blocks?: unknown }): string[] {
  const problems: string[] = [];
  if (typeof message.text === 'string' && message.text.length > LIMITS.messageText) {
    problems.push(`text: ${message.text.length} characters, more than ${LIMITS.messageText}`);
  }
  if (message.blocks === undefined) {
    if (typeof message.text !== 'string' || !message.text) problems.push('a message needs text or blocks');
    return problems;
  }
  validateBlocks(message.blocks, LIMITS.messageBlocks, problems);
  return problems;
}

/** The problems of one modal view (views.open / views.update). */
export function validateView(view: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(view)) return ['view: not an object'];
  if (view.type !== 'modal') problems.push(`view.type: "${String(view.type)}" is not modal`);
  plainText(view.title, 'view.title', LIMITS.modalTitle, problems, true);
  if (view.close !== undefined) plainText(view.close, 'view.close', LIMITS.modalButton, problems, true);
  if (view.submit !== undefined) plainText(view.submit, 'view.submit', LIMITS.modalButton, problems, true);
  if (typeof view.callback_id === 'string' && view.callback_id.length > LIMITS.callbackId) problems.push('view.callback_id: too long');
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > LIMITS.privateMetadata) problems.push('view.private_metadata: too long');
  validateBlocks(view.blocks, LIMITS.modalBlocks, problems);
  const bytes = Buffer.byteLength(JSON.stringify(view), 'utf8');
  if (bytes > LIMITS.viewBytes) problems.push(`view: ${bytes} bytes of JSON, more than ${LIMITS.viewBytes} (view_too_large)`);
  return problems;
}

function validateBlocks(blocks: unknown, max: number, problems: string[]): void {
  if (!Array.isArray(blocks)) {
    problems.push('blocks: not an array');
    return;
  }
  if (blocks.length > max) problems.push(`blocks: ${blocks.length}, more than ${max}`);
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(block)) {
      problems.push(`${at}: not an object`);
      return;
    }
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== 'string' || !block.block_id) problems.push(`${at}.block_id: empty`);
      else {
        if (block.block_id.length > LIMITS.blockId) problems.push(`${at}.block_id: longer than ${LIMITS.blockId}`);
        if (blockIds.has(block.block_id)) problems.push(`${at}.block_id: "${block.block_id}" used twice`);
        blockIds.add(block.block_id);
      }
    }
    switch (block.type) {
      case 'header':
        plainText(block.text, `${at}.text`, LIMITS.headerText, problems, true);
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined) problems.push(`${at}: a section needs text or fields`);
        if (block.text !== undefined) textObject(block.text, `${at}.text`, LIMITS.sectionText, problems);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || !block.fields.length) problems.push(`${at}.fields: empty`);
          else {
            if (block.fields.length > LIMITS.sectionFields) problems.push(`${at}.fields: ${block.fields.length}, more than ${LIMITS.sectionFields}`);
            block.fields.forEach((f, j) => textObject(f, `${at}.fields[${j}]`, LIMITS.sectionFieldText, problems));
          }
        }
        if (block.accessory !== undefined) element(block.accessory, `${at}.accessory`, actionIds, problems);
        break;
      }
      case 'context':
        if (!Array.isArray(block.elements) || !block.elements.length) problems.push(`${at}.elements: empty`);
        else {
          if (block.elements.length > LIMITS.contextElements) problems.push(`${at}.elements: ${block.elements.length}, more than ${LIMITS.contextElements}`);
          block.elements.forEach((e, j) => textObject(e, `${at}.elements[${j}]`, LIMITS.contextText, problems));
        }
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || !block.elements.length) problems.push(`${at}.elements: empty`);
        else {
          if (block.elements.length > LIMITS.actionsElements) problems.push(`${at}.elements: ${block.elements.length}, more than ${LIMITS.actionsElements}`);
          block.elements.forEach((e, j) => element(e, `${at}.elements[${j}]`, actionIds, problems));
        }
        break;
      case 'divider':
        break;
      default:
        problems.push(`${at}.type: "${String(block.type)}" is not a block this bot renders`);
    }
  });
}

function element(e: unknown, at: string, actionIds: Set<string>, problems: string[]): void {
  if (!isObject(e)) {
    problems.push(`${at}: not an object`);
    return;
  }
  if (e.type !== 'button') {
    problems.push(`${at}.type: "${String(e.type)}" is not a button`);
    return;
  }
  plainText(e.text, `${at}.text`, LIMITS.buttonText, problems, true);
  if (typeof e.action_id !== 'string' || !e.action_id) problems.push(`${at}.action_id: missing`);
  else {
    if (e.action_id.length > LIMITS.actionId) problems.push(`${at}.action_id: longer than ${LIMITS.actionId}`);
    // Slack wants them unique per block; we keep them unique per message, which is stricter
    if (actionIds.has(e.action_id)) problems.push(`${at}.action_id: "${e.action_id}" used twice`);
    actionIds.add(e.action_id);
  }
  if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > LIMITS.buttonValue))
    problems.push(`${at}.value: longer than ${LIMITS.buttonValue}`);
  if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > LIMITS.buttonUrl)) problems.push(`${at}.url: too long`);
  if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') problems.push(`${at}.style: "${String(e.style)}"`);
  if (e.confirm !== undefined) {
    const c = e.confirm;
    if (!isObject(c)) problems.push(`${at}.confirm: not an object`);
    else {
      plainText(c.title, `${at}.confirm.title`, LIMITS.confirmTitle, problems, true);
      textObject(c.text, `${at}.confirm.text`, LIMITS.confirmText, problems);
      plainText(c.confirm, `${at}.confirm.confirm`, LIMITS.confirmButton, problems, true);
      plainText(c.deny, `${at}.confirm.deny`, LIMITS.confirmButton, problems, true);
      if (c.style !== undefined && c.style !== 'primary' && c.style !== 'danger') problems.push(`${at}.confirm.style: "${String(c.style)}"`);
    }
  }
}

function textObject(o: unknown, at: string, max: number, problems: string[]): void {
  if (!isObject(o) || (o.type !== 'mrkdwn' && o.type !== 'plain_text')) {
    problems.push(`${at}: not a text object`);
    return;
  }
  lengthOf(o.text, at, max, problems);
}

function plainText(o: unknown, at: string, max: number, problems: string[], required: boolean): void {
  if (o === undefined && !required) return;
  if (!isObject(o) || o.type !== 'plain_text') {
    problems.push(`${at}: must be plain_text`);
    return;
  }
  lengthOf(o.text, at, max, problems);
}

function lengthOf(text: unknown, at: string, max: number, problems: string[]): void {
  if (typeof text !== 'string' || !text.trim()) problems.push(`${at}: empty`);
  else if (text.length > max) problems.push(`${at}: ${text.length} characters, more than ${max}`);
}
