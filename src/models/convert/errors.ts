// The one error type a conversion throws for bad input or a refused request: its message is the one line the CLI
// prints (exit 2) and the editor shows. Anything else escaping a conversion is a bug or an I/O failure.

export class ConvertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvertError';
  }
}
