// How a notifier tells the outbox what to do with a message it could not deliver.

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly options: {
      /** Retrying cannot help (no such recipient, bad configuration): give up now. */
      permanent?: boolean;
      /** Throttled: try again at this instant, without counting it as a failed attempt. */
      deferUntil?: Date;
    } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
