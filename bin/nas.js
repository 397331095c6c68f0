#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx nas …` works without a build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
register();
await import(fileURLToPath(new URL('../src/cli.ts', import.meta.url)));
