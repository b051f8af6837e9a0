import { useEffect, useId, useRef, useState, type ClipboardEvent, type KeyboardEvent, type Ref } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/Icon/Icon.js';
import { contactsQuery } from './compose.queries.js';
import { chipFrom, chipLabel, parseChips, type Chip } from './recipients.js';

const SUGGEST_DEBOUNCE_MS = 150;

interface RecipientFieldProps {
  label: string;
  chips: readonly Chip[];
  onChange: (chips: Chip[]) => void;
  inputRef?: Ref<HTMLInputElement>;
  /** Text typed but not yet turned into a chip (kept by the dialog so Send can include it). */
  text: string;
  onText: (text: string) => void;
}

function useDebounced(value: string, ms: number): string {
  const [out, setOut] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setOut(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return out;
}

/** To / Cc / Bcc: address chips, paste of many at once, autocomplete from contacts. */
export function RecipientField({ label, chips, onChange, inputRef, text, onText }: RecipientFieldProps) {
  const { t } = useTranslation();
  const inputId = useId();
  const listId = useId();
  const [active, setActive] = useState(-1);
  const [suggestOpen, setSuggestOpen] = useState(false);
  const query = useDebounced(text.trim(), SUGGEST_DEBOUNCE_MS);
  const contacts = useQuery({ ...contactsQuery(query), enabled: suggestOpen && query.length >= 1 });
  const taken = new Set(chips.map((c) => c.address.toLowerCase()));
  const suggestions = (query === text.trim() ? (contacts.data?.contacts ?? []) : []).filter((c) => !taken.has(c.address.toLowerCase()));
  const showList = suggestOpen && suggestions.length > 0 && text.trim().length > 0;
  const blurTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(blurTimer.current), []);

  useEffect(() => setActive(-1), [query]);

  const textRef = useRef(text);
  textRef.current = text;

  const commit = (raw: string) => {
    const added = parseChips(raw);
    textRef.current = '';
    onText('');
    setSuggestOpen(false);
    if (added.length > 0) onChange([...chips, ...added]);
  };

  const pick = (index: number) => {
    const c = suggestions[index];
    if (!c) return;
    onChange([...chips, chipFrom({ name: c.name, address: c.address })]);
    textRef.current = '';
    onText('');
    setSuggestOpen(false);
    setActive(-1);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (showList && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      const n = suggestions.length;
      setActive((a) => (e.key === 'ArrowDown' ? (a + 1) % n : (a - 1 + n) % n));
      return;
    }
    if (showList && e.key === 'Escape') {
      e.stopPropagation();
      setSuggestOpen(false);
      return;
    }
    if ((e.key === 'Enter' || e.key === 'Tab') && showList && active >= 0) {
      e.preventDefault();
      pick(active);
      return;
    }
    if (e.key === 'Enter' || ((e.key === ',' || e.key === ';') && !/"[^"]*$/.test(text))) {
      e.preventDefault();
      if (text.trim()) commit(text);
      return;
    }
    if (e.key === 'Tab' && text.trim()) {
      // the chip is made; focus moves on as usual
      commit(text);
      return;
    }
    if (e.key === 'Backspace' && text === '' && chips.length > 0) {
      e.preventDefault();
      onChange(chips.slice(0, -1));
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const pasted = e.clipboardData.getData('text');
    if (!/[,;\n]/.test(pasted)) return;
    e.preventDefault();
    commit(textRef.current + pasted);
  };

  const invalid = chips.filter((c) => !c.valid);
  const errorId = `${inputId}-error`;
  const optionId = (i: number) => `${listId}-opt-${i}`;

  return (
    <div className="compose-field recipient-field">
      <label htmlFor={inputId}>{label}</label>
      <div className="chips">
        {/* Named without the field's label: "To" must label the input alone (getByLabel('To')). */}
        <ul className="chip-list" aria-label={t('Recipients')}>
          {chips.map((chip) => (
            <li key={chip.key} className={`chip${chip.valid ? '' : ' is-invalid'}`} title={chip.valid ? chipLabel(chip) : t('Not a valid email address')}>
              {!chip.valid && <Icon name="close" className="chip-invalid-icon" />}
              <span className="chip-text">{chip.name || chip.address}</span>
              {!chip.valid && <span className="visually-hidden">{t('(invalid)')}</span>}
              <button
                type="button"
                className="chip-remove"
                aria-label={t('Remove {{address}}', { address: chip.address || chip.name })}
                onClick={() => onChange(chips.filter((c) => c.key !== chip.key))}
              >
                <Icon name="close" />
              </button>
            </li>
          ))}
        </ul>
        <div className="chip-input">
          <input
            id={inputId}
            ref={inputRef}
            type="text"
            inputMode="email"
            autoComplete="off"
            spellCheck={false}
            role="combobox"
            aria-autocomplete="list"
            aria-expanded={showList}
            aria-controls={listId}
            aria-activedescendant={showList && active >= 0 ? optionId(active) : undefined}
            aria-invalid={invalid.length > 0 || undefined}
            aria-describedby={invalid.length > 0 ? errorId : undefined}
            value={text}
            onChange={(e) => {
              const v = e.target.value;
              // a separator typed or dropped in by an input method
              if (/[,;]\s*$/.test(v) && !/"[^"]*$/.test(v.slice(0, -1))) return commit(v);
              onText(v);
              setSuggestOpen(true);
            }}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
            onFocus={() => clearTimeout(blurTimer.current)}
            onBlur={() => {
              // let a click on a suggestion land first
              blurTimer.current = setTimeout(() => {
                setSuggestOpen(false);
                if (textRef.current.trim()) commit(textRef.current);
              }, 150);
            }}
          />
          <ul id={listId} role="listbox" aria-label={t('Suggestions')} className="suggestions" hidden={!showList}>
            {showList &&
              suggestions.map((c, i) => (
                <li
                  key={c.address}
                  id={optionId(i)}
                  role="option"
                  aria-selected={i === active}
                  className={`suggestion${i === active ? ' is-active' : ''}`}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    clearTimeout(blurTimer.current);
                    pick(i);
                  }}
                >
                  {c.name ? (
                    <>
                      <span className="suggestion-name">{c.name}</span> <span className="suggestion-address">{c.address}</span>
                    </>
                  ) : (
                    <span className="suggestion-address">{c.address}</span>
                  )}
                </li>
              ))}
          </ul>
        </div>
      </div>
      {invalid.length > 0 && (
        <p id={errorId} className="recipient-error">
          {t('Not a valid email address: {{list}}', { list: invalid.map((c) => c.address || c.name).join(', ') })}
        </p>
      )}
    </div>
  );
}
