package dev.pgwarden.testkit.skips;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Fails a JUnit Platform session in which a test was disabled or aborted, unless {@link AllowList}
 * admits it: a skipped test has shown nothing, and a build must not pass on it.
 *
 * <p>Registered through META-INF/services for every launcher session of every module whose tests
 * have the testkit on their class path (the surefire and failsafe forks, IDE runs). It watches the
 * session's launcher and throws when the session closes: surefire then reports an error in the
 * forked JVM, naming each skip, and {@code ./mvnw verify} fails. A listener cannot change a test's
 * own result, and the session's end is the one place where every engine's skips (Jupiter's,
 * ArchUnit's) have been seen.
 */
public final class SkipGuard implements LauncherSessionListener, TestExecutionListener {
    private final AllowList allowList;
    private final List<Skip> skips = new CopyOnWriteArrayList<>();

    public SkipGuard() {
        this(AllowList.DEFAULT);
    }

    SkipGuard(AllowList allowList) {
        this.allowList = allowList;
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        session.getLauncher().registerTestExecutionListeners(this);
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        skips.add(Skip.of(test, Skip.Kind.DISABLED, reason));
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            skips.add(Skip.of(
                    test,
                    Skip.Kind.ABORTED,
                    result.getThrowable().map(String::valueOf).orElse("no reason given")));
        }
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        List<Skip> refused = refused();
        if (!refused.isEmpty()) {
            throw new AssertionError(refused.size() + " test(s) skipped, and nothing may skip in silence (only "
                    + AllowList.class.getName() + " may allow it):"
                    + refused.stream().map(s -> "\n  " + s).collect(Collectors.joining()));
        }
    }

    /** The skips seen so far that the allow-list does not admit. */
    List<Skip> refused() {
        return skips.stream().filter(Predicate.not(allowList::allows)).toList();
    }
}
