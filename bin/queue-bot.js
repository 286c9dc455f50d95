#!/usr/bin/env node
// The `queue-bot` command (npx queue-bot …): runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
