import type { SeedCall } from './mock-backend';

export function sampleCalls(): SeedCall[] {
  return [
    {
      number: '+44 20 7946 0011',
      task: 'Ask about opening hours on Sunday',
      status: 'cancelled',
      minutesAgo: 60 * 30,
    },
    {
      number: '+44 7700 900123',
      task: 'Ask if my order #1234 has shipped',
      status: 'unknown_outcome',
      minutesAgo: 60 * 26,
    },
    {
      number: '+44 20 7946 0321',
      task: 'Book a table for 4 at 7pm tonight at Pizzeria Roma, under the name Sam. Ask for a window seat if possible.',
      status: 'completed',
      summary:
        'Booked a table for 4 at 7pm tonight under "Sam". A window seat is not guaranteed; they will try. Please arrive by 7:10pm.',
      turns: [
        { speaker: 'callee', label: 'Restaurant', text: 'Pizzeria Roma, good evening!' },
        {
          speaker: 'agent',
          label: 'Agent',
          text: "Hi! I'm calling on behalf of Sam to book a table for 4 people tonight at 7pm. Would that be possible?",
        },
        { speaker: 'callee', label: 'Restaurant', text: 'Let me check… yes, 7pm works. Any preferences?' },
        { speaker: 'agent', label: 'Agent', text: 'A window seat if you have one, please.' },
        {
          speaker: 'callee',
          label: 'Restaurant',
          text: "I can't promise, but I'll note it. Please come by 7:10 at the latest.",
        },
        { speaker: 'agent', label: 'Agent', text: 'Perfect, thank you very much. Goodbye!' },
      ],
      minutesAgo: 45,
    },
    {
      number: '+1 415 555 0142',
      task: 'Reschedule my dentist appointment to next week',
      status: 'in_progress',
      minutesAgo: 2,
    },
  ];
}
