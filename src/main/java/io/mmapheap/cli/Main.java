package io.mmapheap.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code mmapheap} command line: {@code java -jar mmapheap-VERSION-cli.jar COMMAND [ARGS]}.
 * Exit codes: 0 success, 1 a check the command performs failed, 2 a usage error. A usage error
 * prints one line saying what was wrong, then the usage of the command (or of all of them); to
 * standard error. {@code --help} or {@code -h} prints the usage to standard output.
 */
public final class Main {

    /** Exit code for arguments that could not be understood. */
    static final int EXIT_USAGE = 2;

    private final Map<String, Command> commands = new LinkedHashMap<>();

    Main() {
        for (Command c : List.<Command>of(new DemoCommand(System.in), new TestAllocCommand(), new TestEallocCommand(), new TraceCommand())) {
            commands.put(c.name(), c);
        }
    }

    /**
     * Entry point; exits the JVM with the command's exit code.
     *
     * @param args the command's name and its arguments; none, or {@code --help}, prints the usage
     */
    public static void main(String[] args) {
        System.exit(new Main().run(Arrays.asList(args), System.out, System.err));
    }

    /**
     * Runs one command in-process.
     *
     * @return the exit code
     */
    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            usage(args.isEmpty() ? err : out);
            return args.isEmpty() ? EXIT_USAGE : 0;
        }
        Command command = commands.get(args.get(0));
        if (command == null) {
            err.println("mmapheap: unknown command '" + args.get(0) + "'");
            usage(err);
            return EXIT_USAGE;
        }
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            usage(command, out);
            return 0;
        }
        try {
            return command.run(rest, out);
        } catch (UsageException e) {
            err.println("mmapheap " + command.name() + ": " + e.getMessage());
            usage(command, err);
            return EXIT_USAGE;
        }
    }

    private static void usage(Command command, PrintStream to) {
        to.printf("usage: mmapheap %s: %s%n", command.name(), command.summary());
    }

    private void usage(PrintStream to) {
        to.println("usage: mmapheap COMMAND [ARGS]");
        for (Command c : commands.values()) {
            to.printf("  %-12s %s%n", c.name(), c.summary());
        }
    }
}
