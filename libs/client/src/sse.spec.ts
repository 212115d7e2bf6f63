import { createSseParser, SseMessage } from './sse';

/** Parses `chunks` in order; returns the events, retries and comments seen. */
function parse(chunks: string[], lastEventId?: string) {
  const events: SseMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createSseParser({ onEvent: (m) => events.push(m), onRetry: (ms) => retries.push(ms), onComment: (c) => comments.push(c) }, lastEventId);
  for (const chunk of chunks) parser.feed(chunk);
  return { events, retries, comments, lastEventId: parser.lastEventId };
}

/** Every way to cut `text` in two, plus one character at a time. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const STREAM =
  'retry: 2000\n\n' +
  ': heartbeat\n\n' +
  'id: 1\nevent: operation.updated\ndata: {"status":"RUNNING"}\n\n' +
  'id: 2\nevent: operation.updated\ndata: {"status":\ndata: "SUCCEEDED"}\n\n';

describe('SSE parser', () => {
  it('gives the same events however the stream is cut into chunks', () => {
    const expected = {
      events: [
        { id: '1', event: 'operation.updated', data: '{"status":"RUNNING"}' },
        { id: '2', event: 'operation.updated', data: '{"status":\n"SUCCEEDED"}' },
      ],
      retries: [2000],
      comments: ['heartbeat'],
      lastEventId: '2',
    };
    for (const chunks of splits(STREAM)) expect(parse(chunks)).toEqual(expected);
  });

  it('takes CRLF, CR and LF line ends, also with a CRLF cut between its CR and LF', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    const cr = STREAM.replace(/\n/g, '\r');
    const whole = parse([STREAM]);
    for (const variant of [crlf, cr]) for (const chunks of splits(variant)) expect(parse(chunks)).toEqual(whole);
    // a CR ending one chunk and a LF opening the next are one line break, not an empty line between
    expect(parse(['data: a\r', '\ndata: b\r\n\r\n']).events).toEqual([{ id: undefined, event: 'message', data: 'a\nb' }]);
  });

  it('joins multi-line data with \\n, keeps empty data lines and strips only one leading space', () => {
    const { events } = parse(['data:first\ndata:  second\ndata\ndata:\n\n']);
    expect(events).toEqual([{ id: undefined, event: 'message', data: 'first\n second\n\n' }]);
  });

  it('ignores comments, unknown fields, bad retry values and an event without data', () => {
    const { events, retries, comments } = parse([': one\n:two\nfoo: bar\nretry: soon\nretry: 1.5\nevent: x\n\ndata: y\n\n']);
    expect(comments).toEqual(['one', 'two']);
    expect(retries).toEqual([]);
    expect(events).toEqual([{ id: undefined, event: 'message', data: 'y' }]); // the event type of the data-less block is reset
  });

  it('keeps the last event id across events, ignores ids with NUL, and lets an empty id clear it', () => {
    const { events, lastEventId } = parse(['id: 5\ndata: a\n\ndata: b\n\nid: 6\u0000\ndata: c\n\nid\ndata: d\n\n'], '4');
    expect(events.map((e) => e.id)).toEqual(['5', '5', '5', '']);
    expect(lastEventId).toBe('');
    // an id-only block moves the resume point without an event
    expect(parse(['id: 9\n\n'], '3')).toMatchObject({ events: [], lastEventId: '9' });
    expect(parse([], '3').lastEventId).toBe('3');
  });

  it('drops a byte order mark at the start and an unfinished event at the end', () => {
    expect(parse(['\uFEFFdata: a\n\ndata: unfinished\n']).events).toEqual([{ id: undefined, event: 'message', data: 'a' }]);
    expect(parse(['\uFEFF', 'data: a\n\n']).events).toEqual([{ id: undefined, event: 'message', data: 'a' }]);
  });
});
