// Every Discord listener, registered in one place (as the discord.js guide lays them out): one
// interactionCreate that hands each kind of interaction to its module, and the gateway's events.
import { Events, type Interaction } from 'discord.js';
import { track, type DiscordContext } from '../conversation.ts';
import { autocomplete } from './autocomplete.ts';
import { component } from './component.ts';
import { logGatewayEvents } from './gateway.ts';
import { slashCommand } from './slash-command.ts';

export function registerListeners(ctx: DiscordContext, stopping: () => boolean): void {
  ctx.client.on(Events.InteractionCreate, (interaction) => void onInteraction(ctx, interaction, stopping));
  logGatewayEvents(ctx, stopping);
}

async function onInteraction(ctx: DiscordContext, interaction: Interaction, stopping: () => boolean): Promise<void> {
  if (stopping()) return;
  if (interaction.isAutocomplete()) return track(ctx, 'autocomplete', () => autocomplete(ctx, interaction));
  if (interaction.isChatInputCommand()) return track(ctx, 'command', () => slashCommand(ctx, interaction));
  if (interaction.isButton() || interaction.isStringSelectMenu()) return track(ctx, 'component', () => component(ctx, interaction));
  ctx.log.debug({ type: interaction.type }, 'an interaction this bot does not use');
}
