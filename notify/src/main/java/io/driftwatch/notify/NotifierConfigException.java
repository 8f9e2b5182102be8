package io.driftwatch.notify;

/** A notifiers file that cannot be used: the file, the line and what is wrong ({@code file:line: message}). */
public final class NotifierConfigException extends Exception {
    private final String file;
    private final int line;
    private final String problem;

    NotifierConfigException(String file, int line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    public String file() {
        return file;
    }

    /** 1-based; 0 when the problem is not about one place. */
    public int line() {
        return line;
    }

    /** The message without the file and line. */
    public String problem() {
        return problem;
    }
}
