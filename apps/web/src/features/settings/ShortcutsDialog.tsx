import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog/Dialog.js';

export const SHORTCUTS: ReadonlyArray<{ keys: string[]; label: string }> = [
  { keys: ['j'], label: 'Next message' },
  { keys: ['k'], label: 'Previous message' },
  { keys: ['o', 'Enter'], label: 'Open message' },
  { keys: ['u'], label: 'Back to the list' },
  { keys: ['r'], label: 'Reply' },
  { keys: ['a'], label: 'Reply all' },
  { keys: ['f'], label: 'Forward' },
  { keys: ['c'], label: 'Compose' },
  { keys: ['#'], label: 'Delete' },
  { keys: ['e'], label: 'Archive' },
  { keys: ['s'], label: 'Flag or unflag' },
  { keys: ['/'], label: 'Search' },
  { keys: ['?'], label: 'Show keyboard shortcuts' },
];

export default function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog label={t('Keyboard shortcuts')} onClose={onClose} className="shortcuts">
      <table className="shortcut-table">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.label}>
              <td>
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && ` ${t('or')} `}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{t(s.label)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
