package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.audit.SessionStarted;
import dev.pgwarden.sidecar.audit.Timestamps;
import dev.pgwarden.sidecar.identity.VerifiedIdentity;
import dev.pgwarden.sidecar.upstream.UpstreamConnection;
import io.netty.channel.Channel;

/** The audit event that opens a session: who connected, from where, under which policy, to which backend. */
final class SessionEvents {
    private SessionEvents() {}

    static SessionStarted started(
            ProxyContext proxy,
            String sessionId,
            VerifiedIdentity identity,
            StartupParameters startup,
            UpstreamConnection upstream,
            Channel client) {
        return new SessionStarted(
                Timestamps.now(),
                sessionId,
                identity.subject(),
                identity.issuer(),
                identity.serviceAccount(),
                identity.pod(),
                identity.groups(),
                proxy.policy().version().name(),
                proxy.upstream().database(),
                ClientReplies.address(client),
                startup.clientUser(),
                startup.applicationName(),
                upstream.user(),
                upstream.processId(),
                startup.forwarded());
    }
}
