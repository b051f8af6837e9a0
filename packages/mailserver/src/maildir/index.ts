// Maildir++ export and import: moves mail, flags, keywords, folders and subscriptions between the
// SQLite store and the Maildir layout Dovecot reads (`mail_location = maildir:~/Maildir`).
export { exportMaildir, exportUserMaildir, MaildirError, EXPORT_BATCH_SIZE, type MaildirExportOptions, type UserExportResult } from './export.js';
export { importMaildir, importUserMaildir, type MaildirImportOptions, type MaildirImportResult, type UserImportResult } from './import.js';
export { userMaildirPath, mailboxToMaildirDir, mailboxToMaildirName, maildirNameToMailbox } from './format.js';
