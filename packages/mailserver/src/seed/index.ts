export {
  generateMailbox,
  WELCOME_SUBJECT,
  WEEKLY_SUBJECT,
  type GeneratedMessage,
  type GenerateMailboxOptions,
  type SeedPerson,
} from './generate.js';
export { seedDemo, DEMO_DOMAIN, DEMO_PASSWORD, DEMO_PER_USER, DEMO_USERS, type SeedDemoOptions } from './demo.js';
export { DEFAULT_CONTACTS } from './content.js';
