import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES, configSchema } from './config.js';

const docs = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/configuration.md'), 'utf8');

describe('docs/configuration.md', () => {
  it('documents every option and its environment variable', () => {
    for (const key of Object.keys(configSchema.shape)) {
      expect(docs, key).toContain(`| ${key} |`);
      expect(docs, key).toContain(`\`${ENV_NAMES[key as keyof typeof ENV_NAMES]}\``);
    }
  });
});
