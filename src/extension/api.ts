import type { DiffuCodeInlineProvider } from './completion/inlineProvider';
import type { ModelHost } from './model/modelHost';
import type { ConfidenceMarks } from './ui/confidenceMarks';
import type { RewritePreview } from './ui/rewritePreview';

/** What activate() returns: the editor tests read state through it (nothing here is needed by users). */
export interface DiffuCodeApi {
  /** The status bar item's text and tooltip (the status bar itself is not readable through the API). */
  statusText(): string;
  host: ModelHost;
  marks: ConfidenceMarks;
  preview: RewritePreview;
  inline: DiffuCodeInlineProvider;
  /** The "ghost text is off" notices shown so far, oldest first (notifications are not readable through the API). */
  ghostTextNotices(): readonly string[];
}
