// Word lists and message templates. `{order}`, `{name}` and `{agent}` are filled per conversation.

export const FIRST_NAMES = [
  'Martha',
  'James',
  'Aisha',
  'Diego',
  'Mei',
  'Oliver',
  'Priya',
  'Lucas',
  'Fatima',
  'Noah',
  'Sofia',
  'Kenji',
  'Amara',
  'Liam',
  'Chloe',
  'Mateo',
  'Hannah',
  'Omar',
  'Zoe',
  'Ethan',
  'Ingrid',
  'Kwame',
  'Lena',
  'Raj',
  'Elena',
  'Tomás',
  'Yuki',
  'Grace',
  'Samuel',
  'Nadia',
  'Felix',
  'Ava',
] as const

export const LAST_NAMES = [
  'Williams',
  'Chen',
  'Okafor',
  'García',
  'Nakamura',
  'Smith',
  'Patel',
  'Müller',
  'Haddad',
  'Johnson',
  'Rossi',
  'Kowalski',
  'Mensah',
  'Brown',
  'Dubois',
  'Silva',
  'Kim',
  'Andersen',
  'Nguyen',
  "O'Brien",
  'Ivanova',
  'Lopez',
  'Fischer',
  'Taylor',
] as const

export const STREETS = ['Rigoberto Station', 'Maple Avenue', 'Harbor Way', 'Elm Street', 'Sunset Blvd', 'Cedar Lane']

export const EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'proton.me'] as const

export const AREA_CODES = ['415', '212', '617', '312', '206', '512', '303', '646'] as const

export interface Theme {
  subject: string
  topic: string
  openers: readonly string[]
  followUps: readonly string[]
  replies: readonly string[]
  closers: readonly string[]
  notes: readonly string[]
  summary: string
}

export const THEMES: readonly Theme[] = [
  {
    subject: 'Where is my order {order}?',
    topic: 'Where Is My Order',
    openers: [
      "Hi, my order {order} still hasn't arrived. It was supposed to be here on Monday.",
      'Hello! Can you tell me where order {order} is? Tracking has not moved in four days.',
      "I ordered a jacket last week (order {order}) and there's no shipping update at all.",
    ],
    followUps: [
      'Thanks. Is there any way to get it faster? It is a birthday present.',
      "The tracking page now says 'exception'. What does that mean?",
      'Got it, I will keep an eye on the tracking link.',
    ],
    replies: [
      'Thanks for reaching out, {name}! I can see order {order} left our warehouse on Friday.',
      'I checked with the carrier: the package was delayed by weather and should arrive within two days.',
      'I have upgraded the shipping on order {order} to express at no cost to you.',
    ],
    closers: [
      "You're all set, {name}. The new tracking number is in your inbox. Have a great day!",
      'Glad I could help. Let us know if anything else comes up with your order.',
    ],
    notes: ['Carrier confirmed weather delay, upgraded shipping as goodwill.', 'Checked WMS: order {order} shipped.'],
    summary: 'The customer asks about a delayed order. The agent checks the carrier and upgrades the shipping.',
  },
  {
    subject: 'Return for order {order}',
    topic: 'Order Returns',
    openers: [
      "Hello, I'd like to return the shoes from order {order}. They are too small.",
      'Can I exchange the blue sweater from {order} for a larger size?',
      'How do I send back an item? Order {order}.',
    ],
    followUps: [
      'Do I need the original box?',
      'I printed the label, thanks. How long does the refund take?',
      'The size M would be perfect, thank you.',
    ],
    replies: [
      'Of course! I have emailed you a prepaid return label for order {order}.',
      'No need for the original box, any sturdy packaging works.',
      'Refunds are issued within 5 business days after the return is scanned.',
    ],
    closers: [
      'The exchange is booked, {name}. Your new size ships tomorrow.',
      'Return processed. Thanks for your patience!',
    ],
    notes: ['Exchange approved outside the 30-day window (loyal customer).', 'Return label RMA sent.'],
    summary: 'The customer wants to return an item. The agent sends a prepaid label and explains the refund timeline.',
  },
  {
    subject: 'Damaged item in order {order}',
    topic: 'Damaged Merchandise',
    openers: [
      'The vase in order {order} arrived broken. I attached a photo.',
      'My package {order} was crushed and the lamp inside is cracked.',
    ],
    followUps: ['Yes, the photo shows the crack on the base.', 'A replacement would be great, thanks.'],
    replies: [
      "I'm so sorry about that, {name}. Could you confirm the damage is on the item itself?",
      'I have sent a replacement at no charge; no need to return the damaged one.',
    ],
    closers: ['Your replacement is on its way. Sorry again for the trouble!'],
    notes: ['Photo verified, replacement issued, damage claim filed with carrier.'],
    summary: 'The customer reports a damaged item. The agent verifies the photo and ships a replacement.',
  },
  {
    subject: 'Question about my bill',
    topic: 'Refund Request',
    openers: [
      'I was charged twice for order {order}. Can you refund one of the charges?',
      'Why is there a $4.99 fee on my last invoice?',
      "My promo code didn't apply to order {order}.",
    ],
    followUps: ['I see two pending charges on my card statement.', 'Okay, thanks for explaining.'],
    replies: [
      'Thanks {name}, I see the duplicate authorisation. The second one will drop off in 3-5 days.',
      'That fee is the express shipping you selected at checkout; I have refunded it as a courtesy.',
      'I applied the promo code and refunded the difference to your card.',
    ],
    closers: ['The refund is processed. You will see it on your statement shortly.'],
    notes: ['Duplicate auth confirmed in payment gateway.', 'Courtesy refund of shipping fee approved by lead.'],
    summary: 'The customer disputes a charge. The agent explains it and issues a refund.',
  },
  {
    subject: 'Cannot log in to my account',
    topic: 'Account Access',
    openers: [
      "I can't log in, it says my password is wrong but I just reset it.",
      'Please update the email address on my account.',
      'How do I delete my account and my data?',
    ],
    followUps: ['I got the reset email now, trying again.', 'It works now, thank you!'],
    replies: [
      'I have sent a new password reset link to the email on file, {name}.',
      'Your email address is updated. You will get a confirmation shortly.',
    ],
    closers: ['Great to hear it works! Have a lovely day.'],
    notes: ['Account was locked after 5 failed attempts; unlocked.'],
    summary: 'The customer cannot log in. The agent unlocks the account and sends a reset link.',
  },
  {
    subject: 'Question about the Trailblazer backpack',
    topic: 'Product Question',
    openers: [
      'Is the Trailblazer backpack waterproof?',
      'Does the 40L pack fit carry-on limits?',
      'When will the green colour be back in stock?',
    ],
    followUps: ['What about the zippers?', 'Great, I will order one today.'],
    replies: [
      'Great question! The Trailblazer is water resistant with sealed zippers; a rain cover is included.',
      'Yes, it fits most airline carry-on limits (55 x 40 x 20 cm).',
      'The green colour is expected back in stock in two weeks. I can notify you when it is.',
    ],
    closers: ['Happy to help, {name}. Enjoy your adventures!'],
    notes: ['Customer interested in bulk order for a hiking club.'],
    summary: 'The customer asks about product features. The agent answers and the customer decides to buy.',
  },
]

export const AUTO_REPLY = 'Thanks for contacting us! We received your message and will reply within 24 hours.'
export const SIDEKICK_GREETING = 'Hi {name}! I am the virtual assistant. I can help with orders, returns and more.'
export const QUICK_REPLY_PROMPT = 'What can I help you with today?'
export const QUICK_REPLY_OPTIONS = [
  {id: 'order-status', label: 'Order status'},
  {id: 'returns', label: 'Returns & exchanges'},
  {id: 'billing', label: 'Billing'},
  {id: 'other', label: 'Something else'},
] as const

export const ACTIVITY_TITLES = [
  {activityType: 'SURVEY', title: 'CSAT survey answered', body: 'Rating: 5/5 — "Quick and friendly help!"'},
  {activityType: 'ISSUE', title: 'Order {order} shipped', body: 'Shipped via UPS, tracking 1Z999AA10123456784.'},
  {activityType: 'EMAIL', title: 'Newsletter opened', body: 'Spring collection newsletter opened on mobile.'},
  {activityType: 'SMS', title: 'Delivery SMS sent', body: 'Your order {order} is out for delivery today.'},
] as const

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match)
}
