#!/usr/bin/env node
import { ConfigError } from '../lambdas/domain/config-error';
import { buildApp } from '../lib/app';

try {
  buildApp();
} catch (error) {
  if (error instanceof ConfigError) {
    // One line per bad field, without a stack trace: the message is the whole story.
    process.stderr.write(`sesdesk deploy config is invalid:\n${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
