package dev.pgwarden.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pgwarden} command. */
@Command(
        name = "pgwarden",
        mixinStandardHelpOptions = true,
        version = "pgwarden 0.1.0",
        description = "Governed PostgreSQL access for AI coding agents.",
        subcommands = {
            LocalCommand.class,
            TokenCommand.class,
            CheckCommand.class,
            ApprovalsCommand.class,
            ApprovalsCommand.Approve.class,
            ApprovalsCommand.Deny.class,
            AuditCommand.class,
            ReplayCommand.class
        })
public final class Main {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("pgwarden: " + e.getMessage());
            return 1;
        });
        return cli;
    }
}
