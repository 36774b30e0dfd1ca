package io.mmapheap;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what one of the library's loggers records, at every level, while it is open. With no
 * {@link System.LoggerFinder} installed, a {@link System.Logger} of a name writes to the
 * {@code java.util.logging} logger of that name: the records collected are those the library's
 * {@code System.Logger} produced. The records do not reach the console meanwhile.
 */
final class LogCapture implements AutoCloseable {

    /** Held here: java.util.logging keeps its loggers only weakly, and with them their handlers and levels. */
    private final Logger logger;
    private final Level level;
    private final boolean useParentHandlers;
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (records) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(String name) {
        logger = Logger.getLogger(name);
        level = logger.getLevel();
        useParentHandlers = logger.getUseParentHandlers();
        handler.setLevel(Level.ALL);
        logger.setLevel(Level.ALL);
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
    }

    /** @return a capture of the logger {@code name}, open until closed */
    static LogCapture of(String name) {
        return new LogCapture(name);
    }

    /** @return the records so far, oldest first */
    List<LogRecord> records() {
        synchronized (records) {
            return new ArrayList<>(records);
        }
    }

    /** @return the messages of the records so far at {@code level}, oldest first */
    List<String> messagesAt(Level level) {
        List<String> messages = new ArrayList<>();
        for (LogRecord r : records()) {
            if (r.getLevel().equals(level)) {
                messages.add(r.getMessage());
            }
        }
        return messages;
    }

    void clear() {
        synchronized (records) {
            records.clear();
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(useParentHandlers);
        logger.setLevel(level);
    }
}
