// An EDN tagged literal as a plain history value. `#inst "x"`, `#uuid "x"` and the string "x" are three different
// values, and a checker that compared them by their inner value would call a history valid that read back something
// else than it wrote; so a tag stays with its value through comparison (the models' canon), interning (the
// transactional checker), messages (showValue) and export (EDN writes it back; JSON, which has no tags, writes the
// object {"tag": ..., "value": ...}).
export class TaggedValue {
  constructor(
    readonly tag: string,
    readonly value: unknown,
  ) {}
}
