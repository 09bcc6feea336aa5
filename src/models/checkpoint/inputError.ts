// The one error type of the checkpoint readers: bad input (a malformed or hostile file, an unsupported model, a
// missing shard). Its message is one line meant for the user; the CLI maps it to exit status 2 (issue 22).

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
