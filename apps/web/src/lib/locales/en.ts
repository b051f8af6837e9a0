// English: the source strings are the keys, so only plural forms need entries here.
export const en: Record<string, string> = {
  '{{count}} bytes_one': '{{formattedCount}} byte',
  '{{count}} bytes_other': '{{formattedCount}} bytes',
  '{{count}} messages_one': '{{formattedCount}} message',
  '{{count}} messages_other': '{{formattedCount}} messages',
  '{{count}} selected_one': '{{formattedCount}} selected',
  '{{count}} selected_other': '{{formattedCount}} selected',
  '{{count}} attachments_one': '1 attachment',
  '{{count}} attachments_other': '{{formattedCount}} attachments',
  '{{count}} unread_one': '{{formattedCount}} unread',
  '{{count}} unread_other': '{{formattedCount}} unread',
  '{{count}} messages in conversation_one': '1 message in conversation',
  '{{count}} messages in conversation_other': '{{formattedCount}} messages in conversation',
  '{{count}} new messages_one': 'New message',
  '{{count}} new messages_other': '{{formattedCount}} new messages',
};
