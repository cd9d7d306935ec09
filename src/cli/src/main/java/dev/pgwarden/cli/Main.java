package dev.pgwarden.cli;

import dev.pgwarden.cli.cluster.ClusterOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code pgwarden} command, and {@code kubectl pgwarden}: the same commands, which work on the
 * cluster of the user's kubeconfig where they can work on either (approvals, approve, deny).
 */
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
    /** The name kubectl runs a plugin by when {@code kubectl pgwarden} is typed. */
    static final String KUBECTL_PLUGIN = "kubectl-pgwarden";

    /** Set by bin/pgwarden to the name it was run by (bin/kubectl-pgwarden is a link to it). */
    static final String LAUNCHER_PROPERTY = "pgwarden.launcher";

    public static void main(String[] args) {
        System.exit(commandLine(System.getProperty(LAUNCHER_PROPERTY)).execute(args));
    }

    static CommandLine commandLine() {
        return commandLine(null);
    }

    /** @param launcher the name the command was run by; null when run as {@code java -jar} */
    static CommandLine commandLine(String launcher) {
        CommandLine cli = new CommandLine(new Main());
        if (KUBECTL_PLUGIN.equals(launcher)) {
            cli.setCommandName("kubectl pgwarden");
            for (CommandLine sub : cli.getSubcommands().values()) {
                defaultToCluster(sub.getCommandSpec());
            }
        }
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("pgwarden: " + e.getMessage());
            return 1;
        });
        return cli;
    }

    private static void defaultToCluster(CommandSpec command) {
        for (CommandSpec mixin : command.mixins().values()) {
            if (mixin.userObject() instanceof ClusterOptions cluster) {
                cluster.defaultToCluster();
            }
        }
    }
}
