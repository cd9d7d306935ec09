package dev.pgwarden.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the shared PostgreSQL is doing, read from pg_stat_activity: tests wait for a statement to
 * be running (or blocked) on the server before they cancel it, kill a client, or restart
 * something, instead of sleeping and hoping it got there.
 */
public final class ServerActivity {
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private ServerActivity() {}

    /** Waits until {@code count} backends run a statement containing {@code fragment}; returns their pids. */
    public static List<Integer> awaitRunning(String fragment, int count) {
        return await(fragment, count, false);
    }

    /** Waits until a backend runs a statement containing {@code fragment}; returns its pid. */
    public static int awaitRunning(String fragment) {
        return awaitRunning(fragment, 1).get(0);
    }

    /** Waits until {@code count} backends wait for a lock in a statement containing {@code fragment}. */
    public static List<Integer> awaitBlocked(String fragment, int count) {
        return await(fragment, count, true);
    }

    /** The wait event type of the backend {@code pid} now (null when it waits for nothing, or is gone). */
    public static String waitEventType(int pid) {
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                PreparedStatement ps =
                        c.prepareStatement("select wait_event_type from pg_stat_activity where pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity", e);
        }
    }

    private static List<Integer> await(String fragment, int count, boolean blocked) {
        long deadline = System.nanoTime() + DEFAULT_WAIT.toNanos();
        String sql = "select pid from pg_stat_activity where state = 'active' and pid <> pg_backend_pid()"
                + " and position(? in query) > 0" + (blocked ? " and wait_event_type = 'Lock'" : "") + " order by pid";
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, fragment);
            List<Integer> pids = List.of();
            while (System.nanoTime() < deadline) {
                List<Integer> now = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        now.add(rs.getInt(1));
                    }
                }
                if (now.size() >= count) {
                    return now;
                }
                pids = now;
                Thread.sleep(10);
            }
            throw new AssertionError("within " + DEFAULT_WAIT.toSeconds() + " s, " + pids.size() + " of " + count
                    + " backends ran a statement containing " + fragment
                    + (blocked ? " while waiting for a lock" : ""));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + fragment, e);
        }
    }
}
