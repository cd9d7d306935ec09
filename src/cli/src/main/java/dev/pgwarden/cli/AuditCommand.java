package dev.pgwarden.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pgwarden audit}: tools for the recorded audit trail. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "Check recorded audit events.",
        subcommands = AuditVerifyCommand.class)
public final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Without a subcommand there is nothing to do: show what there is. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }
}
