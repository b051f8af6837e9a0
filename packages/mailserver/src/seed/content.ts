/** Text pools for the seed generator. All domains are reserved example/test domains. */

import type { Charset, WordEncoding } from './mime.js';

export interface Contact {
  name: string;
  email: string;
  /** UTC offset in minutes used for this person's Date header. */
  tz: number;
}

export const DEFAULT_CONTACTS: Contact[] = [
  { name: 'Charlie Dodgson', email: 'charlie@wonderland.example', tz: 0 },
  { name: 'Emma Woodhouse', email: 'emma.woodhouse@highbury.example', tz: 0 },
  { name: 'Grace Hopper', email: 'grace@navy.example.org', tz: -300 },
  { name: 'Hedy Lamarr', email: 'hedy@frequency.example.com', tz: -480 },
  { name: 'Ada Lovelace', email: 'ada@engine.example.co.uk', tz: 0 },
  { name: 'Rosalind Franklin', email: 'r.franklin@kings.example.ac.uk', tz: 0 },
  { name: 'Nikola Tesla', email: 'nikola@wardenclyffe.example', tz: -300 },
  { name: 'Katherine Johnson', email: 'kjohnson@langley.example.gov', tz: -300 },
  { name: 'Margaret Hamilton', email: 'margaret@apollo.example.net', tz: -300 },
  { name: "Dana O'Connor", email: 'dana.oconnor@example.ie', tz: 0 },
  { name: 'Tom Bombadil', email: 'tom@oldforest.example', tz: 60 },
  { name: 'Priya Raman', email: 'priya.raman@example.in', tz: 330 },
];

/** People whose names need encoded words, with the encoding their mailer would use. */
export interface IntlProfile {
  lang: string;
  person: Contact;
  charset: Charset;
  encoding: WordEncoding;
  bodyTransfer: 'quoted-printable' | 'base64';
  subjects: string[];
  bodies: string[];
  signoff: string;
}

export const INTL: IntlProfile[] = [
  {
    lang: 'de',
    person: { name: 'Jürgen Müller', email: 'juergen.mueller@example.de', tz: 60 },
    charset: 'ISO-8859-1',
    encoding: 'Q',
    bodyTransfer: 'quoted-printable',
    subjects: ['Grüße aus München', 'Rückfrage zur Bestellung Nr. 4711', 'Übergabe der Schlüssel am Freitag', 'Geburtstagsfeier – bist du dabei?'],
    bodies: [
      'ich hoffe, es geht dir gut! Können wir nächste Woche kurz über das Angebot sprechen? Die Unterlagen schicke ich dir vorher.',
      'vielen Dank für die schnelle Rückmeldung. Ich habe die Änderungen übernommen und die Datei aktualisiert.',
      'kurze Erinnerung: Am Freitag um 15 Uhr treffen wir uns im Café am Marienplatz. Bis dann!',
    ],
    signoff: 'Viele Grüße',
  },
  {
    lang: 'fr',
    person: { name: 'François Dupont', email: 'francois.dupont@example.fr', tz: 60 },
    charset: 'ISO-8859-1',
    encoding: 'Q',
    bodyTransfer: 'quoted-printable',
    subjects: ['Réunion de l’équipe – ordre du jour', 'Café demain matin ?', 'Facture n° 2024-118 à régler', 'Vacances d’été : qui est là en août ?'],
    bodies: [
      'merci pour ton message. Je serai ravi de participer à la réunion de jeudi ; peux-tu m’envoyer le document préparatoire ?',
      'voici le compte rendu de la réunion. N’hésite pas à compléter si j’ai oublié quelque chose.',
      'est-ce que tu es libre pour un café demain vers 9 h ? Il y a une nouvelle pâtisserie près du bureau.',
    ],
    signoff: 'Bien à toi',
  },
  {
    lang: 'es',
    person: { name: 'José García Núñez', email: 'jose.garcia@example.es', tz: 60 },
    charset: 'UTF-8',
    encoding: 'Q',
    bodyTransfer: 'quoted-printable',
    subjects: ['¿Quedamos el sábado?', 'Información sobre el año académico', 'Presupuesto de la reforma – versión final'],
    bodies: [
      '¡Hola! ¿Qué tal todo? Te escribo para confirmar la reserva del sábado. Llevaré la guitarra.',
      'te adjunto la información que me pediste. Si tienes alguna duda, llámame mañana por la mañana.',
    ],
    signoff: 'Un abrazo',
  },
  {
    lang: 'ru',
    person: { name: 'Иван Петров', email: 'ivan.petrov@example.ru', tz: 180 },
    charset: 'UTF-8',
    encoding: 'B',
    bodyTransfer: 'base64',
    subjects: ['Привет из Санкт-Петербурга', 'Отчёт за квартал', 'Встреча в пятницу: повестка дня', 'Вопрос по договору'],
    bodies: [
      'Добрый день! Высылаю отчёт за третий квартал. Посмотри, пожалуйста, раздел о расходах до пятницы.',
      'Спасибо за вчерашнюю встречу. Я подготовил список задач и отправлю его всем участникам сегодня вечером.',
      'Напоминаю, что в пятницу в 11:00 у нас созвон. Ссылка будет в календаре.',
    ],
    signoff: 'С уважением',
  },
  {
    lang: 'el',
    person: { name: 'Γιώργος Παπαδόπουλος', email: 'giorgos@example.gr', tz: 120 },
    charset: 'UTF-8',
    encoding: 'B',
    bodyTransfer: 'quoted-printable',
    subjects: ['Καλημέρα από την Αθήνα', 'Πρόσκληση σε συνάντηση', 'Ευχαριστώ για όλα!'],
    bodies: [
      'Καλημέρα! Σας στέλνω τις φωτογραφίες από το ταξίδι μας στη Νάξο. Ελπίζω να σας αρέσουν.',
      'Θα ήθελα να σας προσκαλέσω σε μια σύντομη συνάντηση την Τρίτη για το νέο έργο.',
    ],
    signoff: 'Με εκτίμηση',
  },
  {
    lang: 'ja',
    person: { name: '山田 太郎', email: 'taro.yamada@example.jp', tz: 540 },
    charset: 'UTF-8',
    encoding: 'B',
    bodyTransfer: 'base64',
    subjects: ['会議の議事録について', '来週の出張の件', 'お疲れさまです：資料を送ります', '新年会のお知らせ 🎍'],
    bodies: [
      'お疲れさまです。先日の会議の議事録をお送りします。ご確認のほど、よろしくお願いいたします。',
      '来週の大阪出張の日程が決まりました。新幹線のチケットは手配済みです。',
      '資料を添付しましたので、ご査収ください。ご不明な点があればお気軽にご連絡ください。',
    ],
    signoff: 'よろしくお願いいたします。',
  },
  {
    lang: 'zh',
    person: { name: '王芳', email: 'wang.fang@example.cn', tz: 480 },
    charset: 'UTF-8',
    encoding: 'B',
    bodyTransfer: 'base64',
    subjects: ['关于下周会议的安排', '项目进度更新', '春节快乐！🧧', '请查收合同草案'],
    bodies: [
      '你好！下周三下午两点在三楼会议室开会，请提前准备好项目进度报告。',
      '附件是最新的合同草案，请在周五之前给我反馈意见。谢谢！',
      '祝你和家人春节快乐，万事如意！',
    ],
    signoff: '此致敬礼',
  },
  {
    lang: 'ar',
    person: { name: 'محمد العلي', email: 'mohammed.alali@example.ae', tz: 240 },
    charset: 'UTF-8',
    encoding: 'B',
    bodyTransfer: 'base64',
    subjects: ['مرحبا من دبي', 'تأكيد موعد الاجتماع', 'عرض الأسعار المحدث'],
    bodies: [
      'السلام عليكم، أرجو أن تكون بخير. أرسل لك عرض الأسعار المحدث كما اتفقنا في الاجتماع الأخير.',
      'أود تأكيد موعد الاجتماع يوم الأحد الساعة العاشرة صباحا في مكتبنا.',
    ],
    signoff: 'مع أطيب التحيات',
  },
  {
    lang: 'emoji',
    person: { name: 'Zoë 🌸 Park', email: 'zoe.park@example.kr', tz: 540 },
    charset: 'UTF-8',
    encoding: 'Q',
    bodyTransfer: 'quoted-printable',
    subjects: ['🎉 Party on Friday!', 'Road trip 🚗💨 who is in?', 'Pizza 🍕 or sushi 🍣 tonight?', '✅ Done: the slides are ready'],
    bodies: [
      'Hey! 😄 We are throwing a small party on Friday at 8. Bring snacks 🍿 and good vibes ✨.',
      'The slides are done 🙌 — have a look when you get a minute and tell me what you think 👀.',
    ],
    signoff: 'xoxo 💜',
  },
];

export const PLAIN_SUBJECTS = [
  'Quick question about the budget',
  'Lunch on Thursday?',
  'Notes from today’s call',
  'Can you review my draft?',
  'Re-scheduling our 1:1',
  'Photos from the weekend',
  'Book recommendation',
  'Reminder: expense reports due Friday',
  'Feedback on the proposal',
  'Your library books are due soon',
  'Server maintenance window tonight',
  'Article you might like',
  'Welcome aboard, new team member',
  'Plans for the holidays',
  'Conference talk accepted!',
  'Fixing the flaky integration test',
  'Garden club meeting moved',
  'Running group: Sunday route',
  'Question about your invoice',
  'Travel itinerary',
];

export const SENTENCES = [
  'I went through the numbers again this morning and they look better than last quarter.',
  'Could you take a look before the end of the week?',
  'Let me know if anything is unclear, happy to jump on a call.',
  'I have attached the latest version, changes are marked in the margin.',
  'The team agreed to move the deadline by a week to leave room for testing.',
  'We still need someone to own the follow-up with the vendor.',
  'Thanks again for your help with the migration last week.',
  'The weather forecast looks great, so we will meet at the park as planned.',
  'I am out of office on Monday but will reply to everything on Tuesday.',
  'The link below has all the details, including the agenda and the dial-in.',
  'We decided to go with the simpler option for now and revisit it in spring.',
  'Please keep this between us until the announcement on Friday.',
  'I found a small mistake in the summary table, the totals in row four are swapped.',
  'Do you still have the slides from the kick-off meeting?',
  'The new coffee machine on the third floor finally works.',
  'I booked the meeting room for two hours, that should be plenty.',
  'If the build is green tonight we can ship tomorrow morning.',
  'My flight lands at 6 pm, so I will join the dinner a bit late.',
  'Would Tuesday or Wednesday work better for you?',
  'I really enjoyed the talk yesterday, especially the part about caching.',
  'There is a typo on page three, otherwise it reads very well.',
  'We should write this down somewhere so the next person does not have to ask.',
  'The invoice was paid on the 3rd, you should see it in your account soon.',
  'Mum says hello and asks whether you are coming for Sunday lunch.',
];

export const URLS = [
  'https://docs.example.com/handbook/onboarding',
  'https://www.example.org/articles/2024/why-plain-text-email-still-matters',
  'https://calendar.example.com/event?eid=7f3a9c21',
  'https://git.example.net/team/webmail/pull/128',
  'https://maps.example.com/?q=Central+Park+Boathouse',
  'http://blog.example.net/posts/sqlite-is-enough',
  'https://tickets.example.com/orders/A81-2298?ref=mail',
  'https://photos.example.com/albums/weekend-hike-2025',
];

export const NOTIFICATIONS = [
  {
    from: { name: 'ParcelPost Tracking', email: 'no-reply@parcelpost.example', tz: 0 },
    subject: (n: number) => `Your parcel ${n} is out for delivery`,
    body: (n: number) =>
      `Good news! Your parcel ${n} is out for delivery and should arrive today between 10:00 and 14:00.\n\nTrack it here: https://track.parcelpost.example/p/${n}\n\nNot at home? Choose a neighbour or a pickup point: https://track.parcelpost.example/p/${n}/redirect`,
  },
  {
    from: { name: 'CodeHub', email: 'notifications@codehub.example', tz: 0 },
    subject: (n: number) => `[mailroom/webmail] Pull request #${n}: Fix folder unread counter`,
    body: (n: number) =>
      `@alice requested your review on pull request #${n}.\n\nFix folder unread counter after moving messages\n\n3 files changed, 42 insertions(+), 7 deletions(-)\n\nView it on CodeHub: https://codehub.example/mailroom/webmail/pull/${n}\nUnsubscribe: https://codehub.example/notifications/unsubscribe/${n}`,
  },
  {
    from: { name: 'City Library', email: 'loans@library.example.org', tz: 0 },
    subject: () => 'Reminder: 2 items due in 3 days',
    body: (n: number) =>
      `Dear reader,\n\nThe following items are due in 3 days:\n\n  * "The Pragmatic Programmer"\n  * "A Pattern Language"\n\nRenew online at https://library.example.org/account/loans?card=${n}\n\nThe City Library`,
  },
  {
    from: { name: 'Bank of Example', email: 'alerts@bank.example', tz: 0 },
    subject: () => 'Your monthly statement is ready',
    body: () =>
      'Your monthly statement is now available in online banking.\n\nLog in at https://bank.example/login to view it. We will never ask for your password by email.',
  },
  {
    from: { name: 'Calendar', email: 'calendar-noreply@example.com', tz: 0 },
    subject: (n: number) => `Reminder: Dentist appointment at ${9 + (n % 8)}:30`,
    body: (n: number) => `This is a reminder for "Dentist appointment" today at ${9 + (n % 8)}:30.\n\nhttps://calendar.example.com/event?eid=${n.toString(16)}`,
  },
];

export const NEWSLETTERS = [
  { brand: 'The Daily Byte', email: 'newsletter@dailybyte.example', host: 'cdn.dailybyte.example', color: '#1a73e8' },
  { brand: 'Trail & Summit Outdoor', email: 'deals@trailsummit.example', host: 'img.trailsummit.example', color: '#2e7d32' },
  { brand: 'Bookworm Weekly', email: 'hello@bookworm.example', host: 'static.bookworm.example', color: '#8e24aa' },
  { brand: 'Café Lumière', email: 'news@cafe-lumiere.example', host: 'media.cafe-lumiere.example', color: '#6d4c41' },
  { brand: 'SkyHop Airlines', email: 'offers@skyhop.example', host: 'images.skyhop.example', color: '#0277bd' },
];

export const NEWSLETTER_HEADLINES = [
  'Ten tools we could not live without',
  'Spring sale: up to 40% off',
  'Our favourite reads of the month',
  'New routes to Lisbon and Kraków',
  'How we brew the perfect flat white',
  'Behind the scenes: building a quieter inbox',
  'Five weekend hikes under two hours',
  'Member-only event next Thursday',
];

export const THREAD_TOPICS = [
  'Offsite venue options',
  'Q3 planning',
  'Bug in the CSV export',
  'Book club: next pick',
  'Apartment viewing on Saturday',
  'Design review for the settings page',
  'Hiring: frontend engineer shortlist',
  'Wedding gift ideas',
  'Draft blog post on IMAP IDLE',
  'Holiday rota',
];

export const LONG_THREAD_TOPICS = ['Migration to the new mail server', 'Neighbourhood street party planning', 'Release 2.0 go/no-go'];

export const REPLY_LINES = [
  'Sounds good to me.',
  'Agreed, let us do that.',
  'I am not sure, can we discuss it tomorrow?',
  'Thanks, that works for me.',
  'I checked again and it is fine now.',
  'Could you share the numbers first?',
  'Great idea! Count me in.',
  'I will take care of it this afternoon.',
  'One more thing: we should tell the others too.',
  'Done, see the updated document.',
  'I would rather wait until next week.',
  '+1, ship it.',
];

export const INVOICE_VENDORS = [
  { name: 'Hosting Example Ltd', email: 'billing@hosting.example', item: 'VPS Medium (monthly)' },
  { name: 'Office Supplies Co', email: 'invoices@officesupplies.example', item: 'Printer paper and toner' },
  { name: 'Power & Light', email: 'billing@powerlight.example', item: 'Electricity, quarterly' },
];

export const EVENT_TITLES = ['Sprint planning', 'Coffee chat', 'Quarterly business review', 'Dentist', 'Design critique', 'Team lunch'];
export const LOCATIONS = ['Room 3.14', 'Video call', 'Café Lumière, Main Street 12', 'Head office, floor 2'];
