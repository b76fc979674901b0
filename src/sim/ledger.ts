/**
 * The books of one period, in aggregate. Money enters when the protocol pays
 * (task rewards, load-curve incentives), leaves when it is burned (slashes,
 * liveness penalties), spent on compute, paid out to the agents' owners (the
 * profit not restaked), or withdrawn by an ejected agent;
 * transfers between agents (auction payments, slash refunds) net to zero.
 * `imbalance()` is 0 (to rounding) when the books balance.
 */
export class Ledger {
  /** Task rewards paid by the AVS this period. */
  rewards = 0;
  /** Load-curve bonuses paid this period. */
  incentives = 0;
  /** Slashes and liveness penalties burned this period. */
  burned = 0;
  /** Compute costs spent this period. */
  costs = 0;
  /** Balances withdrawn by agents ejected this period. */
  withdrawn = 0;
  /** Profits paid out to the agents' owners (the part not restaked). */
  paidOut = 0;
  /** Operator-to-coprocessor payments and slash refunds this period (zero-sum). */
  transfers = 0;
  /** Sum of all balances at the start and the end of the period. */
  balanceStart = 0;
  balanceEnd = 0;

  /** Episode totals of the flows above. */
  readonly totals = {
    rewards: 0,
    incentives: 0,
    burned: 0,
    costs: 0,
    withdrawn: 0,
    paidOut: 0,
    transfers: 0,
  };

  reset(): void {
    for (const k of Object.keys(this.totals) as (keyof Ledger['totals'])[]) this.totals[k] = 0;
    this.beginPeriod(0);
  }

  beginPeriod(balance: number): void {
    this.rewards =
      this.incentives =
      this.burned =
      this.costs =
      this.withdrawn =
      this.paidOut =
      this.transfers =
        0;
    this.balanceStart = balance;
    this.balanceEnd = balance;
  }

  endPeriod(balance: number): void {
    this.balanceEnd = balance;
    const t = this.totals;
    t.rewards += this.rewards;
    t.incentives += this.incentives;
    t.burned += this.burned;
    t.costs += this.costs;
    t.withdrawn += this.withdrawn;
    t.paidOut += this.paidOut;
    t.transfers += this.transfers;
  }

  /** Net money that entered the agents' balances this period according to the flows. */
  netFlow(): number {
    return this.rewards + this.incentives - this.burned - this.costs - this.withdrawn - this.paidOut;
  }

  /** Change in balances not explained by the recorded flows (0 when the books balance). */
  imbalance(): number {
    return this.balanceEnd - this.balanceStart - this.netFlow();
  }
}
