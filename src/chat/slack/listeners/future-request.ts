// A request dated more than 5 minutes ahead, refused in front of Bolt (../future-requests.ts):
// logged, and — when Slack's signature shows it really came from a person — audited as refused.
import type { AuditLog } from '../../../audit/audit-log.ts';
import type { Logger } from '../../../log.ts';
import type { FutureRequest } from '../future-requests.ts';

export function futureRequestRefused(audit: AuditLog, log: Logger): (request: FutureRequest) => void {
  return (request) => {
    log.warn(
      { aheadSec: request.aheadSec, signed: request.signed, kind: request.kind, ...(request.user ? { userId: request.user.id } : {}) },
      request.signed
        ? `refused a Slack request dated ${request.aheadSec}s in the future (more than 5 minutes ahead); if many are, check this machine's clock`
        : `refused a request dated ${request.aheadSec}s in the future whose signature does not match`,
    );
    if (!request.signed || !request.user) return;
    audit.inBackground(
      audit.record({
        platform: 'slack',
        userId: request.user.id,
        userName: request.user.name,
        channel: request.channel ?? '',
        action: 'request',
        target: request.kind,
        outcome: 'refused',
        detail: `request dated ${request.aheadSec}s in the future (more than 5 minutes ahead of this machine's clock)`,
      }),
    );
  };
}
