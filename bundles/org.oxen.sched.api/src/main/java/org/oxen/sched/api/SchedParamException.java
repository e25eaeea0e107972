package org.oxen.sched.api;

/**
 * A parameter value was rejected. The message is meant for the user of
 * {@code xl sched-<name>}: it names the scheduler, the parameter, the value, and what is
 * accepted, e.g. {@code credit: weight = 0 is out of range [1, 65535] (default 256)}.
 */
public class SchedParamException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String parameter;

    public SchedParamException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    /** The offending parameter, or {@code null} if the problem concerns several. */
    public String parameter() {
        return parameter;
    }
}
