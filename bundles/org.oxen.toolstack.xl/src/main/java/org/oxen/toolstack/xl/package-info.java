/**
 * The xl toolstack's extension point: one {@link org.oxen.toolstack.xl.XlSubcommand} service
 * per subcommand ({@code xl info}, {@code xl list}, ...), whichever bundle provides it, plus the
 * getopt-style option parser subcommands share; {@code xl top}'s tables ({@link org.oxen.toolstack.xl.TopTables},
 * {@link org.oxen.toolstack.xl.TopView}: 2.3).
 */
@Export
@Version("2.3.0")
package org.oxen.toolstack.xl;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
