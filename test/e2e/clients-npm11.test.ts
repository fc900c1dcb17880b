// The client matrix (harness/client-story.ts): the core story with the npm on PATH (npm 11,
// the version the rest of the end-to-end suite drives).
import { clientStory } from './harness/client-story.ts';

clientStory({ major: 11 });
