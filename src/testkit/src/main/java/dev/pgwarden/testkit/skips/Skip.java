package dev.pgwarden.testkit.skips;

import java.util.Locale;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestIdentifier;

/**
 * A test, or a whole class of them, that ran to no outcome: disabled by a condition, or aborted
 * by a failed assumption.
 *
 * @param className the test class, or the empty string when the engine gave no class source
 * @param test what JUnit displays for the test (a method, an invocation), or the empty string
 *     when the whole class skipped
 */
record Skip(String className, String test, Kind kind, String reason) {
    enum Kind {
        DISABLED,
        ABORTED
    }

    static Skip of(TestIdentifier identifier, Kind kind, String reason) {
        TestSource source = identifier.getSource().orElse(null);
        String className = source instanceof MethodSource method
                ? method.getClassName()
                : source instanceof ClassSource type ? type.getClassName() : "";
        return new Skip(className, source instanceof ClassSource ? "" : identifier.getDisplayName(), kind, reason);
    }

    @Override
    public String toString() {
        return className + (test.isEmpty() ? "" : " " + test) + ": "
                + kind.name().toLowerCase(Locale.ROOT) + " (" + reason + ")";
    }
}
