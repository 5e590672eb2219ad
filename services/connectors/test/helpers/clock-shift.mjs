// Preloaded into a service under test (NODE_OPTIONS=--import): each SIGUSR2
// moves this process's wall clock (Date) by TEST_CLOCK_JUMP_MS, as an NTP step
// or a resumed VM would. Timers keep the monotonic clock, as they do for real.
const jump = Number(process.env.TEST_CLOCK_JUMP_MS ?? 3_600_000);
const RealDate = Date;
let offset = 0;

class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offset);
    else super(...args);
  }

  static now() {
    return RealDate.now() + offset;
  }
}

globalThis.Date = ShiftedDate;
process.on('SIGUSR2', () => {
  offset += jump;
  process.stderr.write(`clock-shift: wall clock moved by ${jump} ms\n`);
});
