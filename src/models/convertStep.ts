// The conversion step `diffucode pull` and the editor run after a download: the TypeScript converter
// (src/models/convert/convert.ts convertModel), adapted to pullModel's ConvertFn. Undefined while the converter is
// not part of the build (the CLI then says so and downloads nothing).

import type { ConvertFn } from './pull';

export const convertStep: ConvertFn | undefined = undefined;
