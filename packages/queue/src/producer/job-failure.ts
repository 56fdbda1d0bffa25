/** What a job's final failure means for the row, in words: never the row's data. */
export function describeJobFailure(failedReason: string, attempts: number): string {
  if (/stalled more than/i.test(failedReason)) {
    return "the row's worker stopped while running it too many times (killed, crashed or out of memory): not run again";
  }
  const reason = failedReason.length > 500 ? `${failedReason.slice(0, 500)}…` : failedReason;
  return `the row's job failed (at most ${attempts} attempts): ${reason}`;
}
