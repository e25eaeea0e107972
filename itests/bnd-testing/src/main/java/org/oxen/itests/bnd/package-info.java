/** In-framework integration tests, run by bnd-testing in the framework test.bndrun resolves. */
package org.oxen.itests.bnd;
