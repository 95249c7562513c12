/**
 * Update package code: ext3 release 2 (fixes release 1's rename bug: the
 * parents' link counts were not moved when a directory changed parent).
 * The module code itself lives in src/modules/ext3; this file is what the
 * package signs and the update loads with import().
 */
import { ext3Definition } from '../../src/modules/ext3/index.ts';

export default ext3Definition(2);
