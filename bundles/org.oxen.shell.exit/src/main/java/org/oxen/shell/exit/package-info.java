/**
 * The runtime process's exit status (README, Scripted use): commands report a status to the
 * {@code IntConsumer} whiteboard service with {@value org.oxen.shell.exit.ProcessStatus#SERVICE_PROPERTY}{@code =true}
 * (a JDK type: a command needs no import to report), and {@link org.oxen.shell.exit.ProcessStatus#terminal()}
 * is the one answer to whether the process runs at a terminal; {@link org.oxen.shell.exit.ProcessStatus#JOB_PROPERTY}
 * names a job, one command run without the shell (1.1: a machine job without Gogo, issue 16).
 */
@Export
@Version("1.1.0")
package org.oxen.shell.exit;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
