package io.mmapheap.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A command's arguments: {@code --flag} switches, {@code --name VALUE} options and the remaining
 * operands. Anything starting with {@code --} that the command did not declare is a usage error.
 */
final class Arguments {

    private final Set<String> flags = new HashSet<>();
    private final java.util.Map<String, String> values = new java.util.HashMap<>();
    private final List<String> operands = new ArrayList<>();

    /**
     * @param args         the arguments after the command word
     * @param knownFlags   switches without a value
     * @param knownOptions options that take the next argument as their value
     * @throws UsageException for an undeclared option or a missing value
     */
    Arguments(List<String> args, Set<String> knownFlags, Set<String> knownOptions) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (knownFlags.contains(a)) {
                flags.add(a);
            } else if (knownOptions.contains(a)) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(a + " needs a value");
                }
                values.put(a, args.get(++i));
            } else if (a.startsWith("--")) {
                throw new UsageException("unknown option " + a);
            } else {
                operands.add(a);
            }
        }
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    /**
     * @return the option's value as a long within [min, max], or {@code fallback} if absent
     * @throws UsageException if the value is not such a number
     */
    long longValue(String name, long fallback, long min, long max) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new UsageException(name + " must be in [" + min + ", " + max + "], was " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a whole number, was '" + v + "'");
        }
    }

    String value(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** @throws UsageException if there are operands: for commands that take options only */
    void noOperands() {
        if (!operands.isEmpty()) {
            throw new UsageException("unexpected argument '" + operands.get(0) + "'");
        }
    }

    List<String> operands() {
        return operands;
    }
}
