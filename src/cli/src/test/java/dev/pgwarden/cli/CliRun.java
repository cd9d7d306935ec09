package dev.pgwarden.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs the pgwarden command in-process with captured output and a given environment. */
record CliRun(int exit, String out, String err) {
    static CliRun run(Map<String, String> env, Object... args) {
        return runAs(null, env, args);
    }

    /** @param launcher the name bin/pgwarden was run by (kubectl-pgwarden), or null */
    static CliRun runAs(String launcher, Map<String, String> env, Object... args) {
        CommandLine cli = Main.commandLine(launcher);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        // The test's environment, not the machine's: no AWS variable of the host can point a test elsewhere.
        ((ReplayCommand) cli.getSubcommands().get("replay").getCommand()).sourceOptions.env = env::get;
        ((AuditVerifyCommand) cli.getSubcommands()
                                .get("audit")
                                .getSubcommands()
                                .get("verify")
                                .getCommand())
                        .sourceOptions
                        .env =
                env::get;
        String[] strings = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            strings[i] = String.valueOf(args[i]);
        }
        int exit = cli.execute(strings);
        return new CliRun(exit, out.toString(), err.toString());
    }

    static CliRun run(Object... args) {
        return run(Map.of(), args);
    }
}
