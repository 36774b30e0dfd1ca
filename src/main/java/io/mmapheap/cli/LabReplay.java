package io.mmapheap.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;

import io.mmapheap.Allocator;

/**
 * What the lab programs' replays share: the {@code --map} and {@code --stats} options, the output,
 * the failure count, and drawing or reporting the facade's heap.
 */
abstract class LabReplay implements Command {

    /** Where the replay prints; set for each run. */
    PrintStream out;
    /** Checks that failed in this run. */
    int failures;
    private boolean map;
    private boolean stats;

    @Override
    public final int run(List<String> args, PrintStream stream) {
        Arguments a = new Arguments(args, Set.of("--map", "--stats"), Set.of());
        a.noOperands();
        this.out = stream;
        this.map = a.flag("--map");
        this.stats = a.flag("--stats");
        this.failures = 0;
        return replay();
    }

    /** Runs the lab program; @return the exit code, 0 only when every check passed */
    abstract int replay();

    /** @return the heap behind the facade while it is initialized */
    abstract Allocator allocator();

    /** @return how many pages a picture draws */
    abstract int pagesToDraw();

    /** With {@code --stats}, prints the heap's statistics report. */
    final void printStats() {
        if (stats) {
            out.println("-- heap statistics:");
            allocator().printStats(out);
        }
    }

    /** With {@code --map}, draws the heap's pages after {@code step}. */
    final void picture(String step) {
        if (map) {
            out.println("-- page map, " + step + ":");
            out.print(allocator().pageMap(pagesToDraw()));
        }
    }
}
