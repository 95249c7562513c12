/**
 * Update package code: ext3 release 3 (per-inode block reservation windows,
 * as Linux ext3 gained in 2.6.10): its per-inode structure differs, so the
 * update converts every cached inode (state format ext3-state@2 imported).
 */
import { ext3Definition } from '../../src/modules/ext3/index.ts';

export default ext3Definition(3);
