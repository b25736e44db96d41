/** Time source passed into use cases so the domain never reads the wall clock itself. */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** A clock that always answers the instant it was set to; tests and the local demo clock move it. */
export class FixedClock implements Clock {
  private current: Date;

  public constructor(start: Date | string) {
    this.current = new Date(start);
  }

  public now(): Date {
    return new Date(this.current.getTime());
  }

  /** Moves the clock forward by `ms` milliseconds. */
  public advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }

  public set(at: Date | string): void {
    this.current = new Date(at);
  }
}
