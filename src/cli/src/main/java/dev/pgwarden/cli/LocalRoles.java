package dev.pgwarden.cli;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.database.AdminConnection;
import dev.pgwarden.database.AdminCredentials;
import dev.pgwarden.database.Applied;
import dev.pgwarden.database.DatabaseProblemException;
import dev.pgwarden.database.IssuedLogin;
import dev.pgwarden.database.LoginRole;
import dev.pgwarden.database.PolicyDatabase;
import dev.pgwarden.database.RoleNames;
import dev.pgwarden.database.masking.MaskKey;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The agent's roles in the database {@code pgwarden local} governs, made from the admin login with
 * the {@link PolicyDatabase} the operator uses: the policy's group with its grants and masking
 * views, a short-lived LOGIN role in it that the proxy connects as, rotated before it expires, and
 * all of it removed when local mode stops. The database is then the first wall: a session of the
 * minted role never reads a masked value, whatever reaches it.
 */
final class LocalRoles implements AutoCloseable {
    static final String APPLICATION_NAME = "pgwarden-local";
    /**
     * Local policies' roles are named as those of policies in a namespace of this name, followed by
     * the state directory's {@link #namespace}.
     */
    private static final String NAMESPACE = "local";
    /** After a failed rotation: soon, but without hammering a database that is down. */
    private static final Duration RETRY = Duration.ofSeconds(30);

    private final DatabaseTarget target;
    private final AdminCredentials admin;
    private final DatabaseAccessPolicySpec spec;
    private final RoleNames names;
    private final MaskKey maskKey;
    private final UpstreamConfig adminLogin;
    private final PrintStream log;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final DriftNotice notice;
    private IssuedLogin.Minted login;
    private BiConsumer<UpstreamConfig, Instant> handOver = (config, until) -> {};
    private boolean closed;

    /**
     * The namespace of the roles of a run whose state is in {@code stateDir}: two runs with
     * different state directories (two developers, or a benchmark's two instances, on one shared
     * database) each have a group and logins of their own, so that neither drops the other's at
     * start or exit, while the next run with the same state directory still finds and drops what a
     * killed one left.
     */
    static String namespace(Path stateDir) {
        return NAMESPACE + "-"
                + RoleNames.shortHash(stateDir.toAbsolutePath().normalize().toString());
    }

    private LocalRoles(
            UpstreamConfig adminLogin,
            DatabaseAccessPolicy policy,
            String namespace,
            MaskKey maskKey,
            PrintStream log,
            Clock clock) {
        this.adminLogin = adminLogin;
        this.target = new DatabaseTarget(
                adminLogin.host(), adminLogin.port(), adminLogin.database(), adminLogin.sslMode(), null);
        this.admin = new AdminCredentials(adminLogin.user(), adminLogin.password());
        DatabaseAccessPolicySpec s = policy.getSpec();
        // The policy file names no database: in local mode it governs the one given.
        this.spec = new DatabaseAccessPolicySpec(
                target,
                s.subjects(),
                s.access(),
                s.masking(),
                s.rules(),
                s.defaultAction(),
                s.onUnparseable(),
                s.approval(),
                s.recording(),
                s.audit(),
                s.limits());
        this.names = RoleNames.of(namespace, policy.getMetadata().getName());
        this.maskKey = maskKey;
        this.log = log;
        this.clock = clock;
        this.notice = new DriftNotice(names, log);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "pgwarden-roles");
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
    }

    /**
     * Applies the policy in the database over {@code adminLogin} and mints the agent's login. Logins
     * an earlier run left (it crashed, or was killed) are dropped first: nobody holds their passwords.
     *
     * @param maskSecret the bytes of the {@code mask.key} the proxy reads, so both walls hash alike
     * @param namespace the run's {@link #namespace}
     */
    static LocalRoles start(
            UpstreamConfig adminLogin,
            DatabaseAccessPolicy policy,
            byte[] maskSecret,
            String namespace,
            PrintStream log,
            Clock clock)
            throws SQLException {
        MaskKey key = MaskKey.derive(maskSecret, policy.getMetadata().getName());
        LocalRoles roles = new LocalRoles(adminLogin, policy, namespace, key, log, clock);
        try (Connection connection = roles.connect()) {
            PolicyDatabase database = new PolicyDatabase(connection);
            for (LoginRole stale : database.logins(roles.names)) {
                database.dropLogin(stale.name());
                log.println("pgwarden: dropped role " + stale.name() + ", left by an earlier run");
            }
            Applied applied = roles.apply(database, null);
            if (!(applied.login() instanceof IssuedLogin.Minted minted)) {
                throw new IllegalStateException("no login was minted for group " + roles.names.group());
            }
            roles.login = minted;
            log.println("pgwarden: the agent connects as role " + minted.name() + " of group " + roles.names.group()
                    + ", valid until " + minted.validUntil() + DriftNotice.inForce(applied.masking()));
            roles.notice.report(applied.drift());
            roles.schedule(applied.recheckAfter());
        } catch (DatabaseProblemException e) {
            roles.scheduler.shutdownNow();
            throw new IllegalStateException(
                    "cannot set up the agent's roles in " + roles.where() + ": "
                            + e.problem().message(),
                    e);
        } catch (SQLException e) {
            roles.scheduler.shutdownNow();
            throw new SQLException(
                    "cannot set up the agent's roles in " + roles.where() + ": " + e.getMessage()
                            + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")")
                            + "; the login needs CREATEROLE,"
                            + " CREATE on the database and the right to grant on the policy's schemas",
                    e.getSQLState(),
                    e);
        } catch (RuntimeException e) {
            roles.scheduler.shutdownNow();
            throw e;
        }
        return roles;
    }

    /** The login the proxy connects as now. */
    synchronized UpstreamConfig upstream() {
        return new UpstreamConfig(
                adminLogin.host(),
                adminLogin.port(),
                adminLogin.database(),
                login.name(),
                login.password(),
                adminLogin.sslMode(),
                adminLogin.caFile());
    }

    synchronized Instant validUntil() {
        return login.validUntil();
    }

    /** Tells {@code handOver} the current login now, and every new one as it is minted. */
    synchronized void handOverTo(BiConsumer<UpstreamConfig, Instant> handOver) {
        this.handOver = handOver;
        handOver.accept(upstream(), login.validUntil());
    }

    /**
     * Applies the policy again: the login is kept while it has more than a third of its lifetime
     * left, else a new one is minted and handed over; expired logins are dropped with their sessions.
     */
    synchronized void rotate() {
        if (closed) {
            return;
        }
        try (Connection connection = connect()) {
            PolicyDatabase database = new PolicyDatabase(connection);
            database.endExpiredLogins(names, clock.instant())
                    .dropped()
                    .forEach(r -> log.println("pgwarden: expired role " + r + " dropped and its sessions ended"));
            Applied applied = apply(database, login.name());
            if (applied.login() instanceof IssuedLogin.Minted minted) {
                login = minted;
                handOver.accept(upstream(), minted.validUntil());
                log.println("pgwarden: the agent's role rotated: new connections log in as " + minted.name()
                        + ", valid until " + minted.validUntil());
            }
            notice.report(applied.drift());
            schedule(applied.recheckAfter());
        } catch (SQLException | RuntimeException e) {
            log.println("pgwarden: could not rotate the agent's role in " + where() + ": " + e.getMessage()
                    + "; retrying in " + RETRY.toSeconds() + "s (role " + login.name() + " stays valid until "
                    + login.validUntil() + ")");
            schedule(RETRY);
        }
    }

    /** Drops the group, its logins and its masking, so the next run on this database starts clean. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.shutdownNow();
        try (Connection connection = connect()) {
            if (new PolicyDatabase(connection).dropGroup(names)) {
                log.println("pgwarden: dropped group " + names.group() + ", its roles and its masking views");
            } else {
                log.println("pgwarden: role " + names.group() + " is not pgwarden's; left in place");
            }
        } catch (SQLException | RuntimeException e) {
            log.println(
                    "pgwarden: could not drop group " + names.group() + " in " + where() + ": " + e.getMessage()
                            + "; the next `pgwarden local` with this policy and database drops its logins and adopts the group");
        }
    }

    RoleNames names() {
        return names;
    }

    private Applied apply(PolicyDatabase database, String held) throws SQLException {
        return database.apply(names, spec, maskKey, clock.instant(), held);
    }

    private void schedule(Duration after) {
        if (!closed) {
            scheduler.schedule(this::rotate, after.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private Connection connect() throws SQLException {
        return AdminConnection.open(target, admin, APPLICATION_NAME);
    }

    private String where() {
        return "database " + target.name() + " at " + target.host() + ":" + target.portOrDefault() + " (as "
                + admin.username() + ")";
    }
}
