package io.mmapheap.cli;

import java.io.PrintStream;
import java.util.List;

/** One subcommand of the {@code mmapheap} command line. */
interface Command {

    /** @return the word that selects this command, e.g. {@code demo} */
    String name();

    /** @return one line for the usage text */
    String summary();

    /**
     * Runs the command.
     *
     * @param args the arguments after the command word
     * @param out  where the report goes
     * @return the process exit code: 0 when everything the command checks held
     * @throws UsageException for arguments the command does not understand
     */
    int run(List<String> args, PrintStream out);
}
