import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { Providers } from './providers.js';
import { i18n } from '../lib/i18n.js';
import { applyTheme, storedTheme } from '../features/settings/preferences.js';
import './app.css';

// Theme and language of this device before anything renders (no flash of the wrong theme).
applyTheme(storedTheme());
document.documentElement.lang = i18n.language;

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

createRoot(root).render(
  <StrictMode>
    <Providers>
      <App />
    </Providers>
  </StrictMode>,
);
