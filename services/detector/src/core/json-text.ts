/**
 * A value already serialised as JSON. A checkpoint writer that knows it (stages/checkpoint.ts)
 * writes `text` as is instead of serialising the value again; anything else that serialises it
 * gets the same JSON through `toJSON` (parsed back: correct, only slower).
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}
