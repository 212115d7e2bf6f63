/**
 * A Server-Sent Events parser (the WHATWG "event stream interpretation"): lines end in CRLF, LF or CR, a chunk may end
 * anywhere (even between the CR and LF of one line break), `data:` lines join with "\n", `:` lines are comments, `id:`
 * sets the resume point, `retry:` the reconnection delay. No Node built-ins: it works on strings and Web streams.
 */

export interface SseMessage {
  /** The last event id at the time of this event (ids persist until the stream sets another). */
  id: string | undefined;
  /** `event:` field, `message` when absent. */
  event: string;
  data: string;
}

export interface SseHandlers {
  onEvent(message: SseMessage): void;
  /** A `retry:` field (milliseconds). */
  onRetry?(ms: number): void;
  /** A comment line (`: heartbeat`), without the colon and one leading space. */
  onComment?(text: string): void;
}

export interface SseParser {
  /** Feeds decoded text; complete events are dispatched to the handlers before it returns. */
  feed(text: string): void;
  /** The last event id the stream set (the Last-Event-ID of a reconnect). */
  readonly lastEventId: string | undefined;
}

export function createSseParser(handlers: SseHandlers, initialLastEventId?: string): SseParser {
  let buffer = ''; // the incomplete last line
  let started = false;
  let afterCR = false; // the previous chunk ended in CR: a LF opening this one belongs to the same line break
  let data = '';
  let eventType = '';
  let idBuffer = initialLastEventId;
  let lastEventId = initialLastEventId;

  const dispatch = () => {
    lastEventId = idBuffer;
    if (data === '') {
      eventType = '';
      return;
    }
    const message: SseMessage = { id: lastEventId, event: eventType || 'message', data: data.endsWith('\n') ? data.slice(0, -1) : data };
    data = '';
    eventType = '';
    handlers.onEvent(message);
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return handlers.onComment?.(text.slice(text.startsWith(': ') ? 2 : 1));
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        eventType = value;
        break;
      case 'data':
        data += value + '\n';
        break;
      case 'id':
        if (!value.includes('\0')) idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) handlers.onRetry?.(Number(value));
        break;
      default: // unknown fields are ignored
    }
  };

  return {
    feed(text: string) {
      if (!started && text.length > 0) {
        started = true;
        if (text.startsWith('\uFEFF')) text = text.slice(1);
      }
      if (afterCR && text.startsWith('\n')) text = text.slice(1);
      afterCR = false;
      let start = 0;
      let i = buffer.length; // the buffer holds no line break: scan only the new text
      buffer += text;
      for (; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        line(buffer.slice(start, i));
        if (c === 13) {
          if (i + 1 === buffer.length) afterCR = true;
          else if (buffer.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
