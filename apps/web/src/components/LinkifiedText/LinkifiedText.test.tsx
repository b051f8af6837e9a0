import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { LinkifiedText } from './LinkifiedText.js';

describe('LinkifiedText', () => {
  it('links URLs and addresses safely and never interprets markup', () => {
    const { container } = render(
      <LinkifiedText text={'Visit https://example.org/a_(b). Mail bob@example.org or www.example.com, not javascript:alert(1) <img src=x onerror=alert(1)>'} />,
    );
    expect(screen.getByRole('link', { name: 'https://example.org/a_(b)' }).getAttribute('href')).toBe('https://example.org/a_(b)');
    expect(screen.getByRole('link', { name: 'bob@example.org' }).getAttribute('href')).toBe('mailto:bob@example.org');
    const www = screen.getByRole('link', { name: 'www.example.com' });
    expect(www.getAttribute('href')).toBe('https://www.example.com');
    expect(www.getAttribute('rel')).toBe('noopener noreferrer');
    expect(www.getAttribute('target')).toBe('_blank');
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getAllByRole('link')).toHaveLength(3);
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('keeps line breaks and marks quoted lines', () => {
    const { container } = render(<LinkifiedText text={'Sure.\n\n> On Monday\n> you wrote\nThanks'} />);
    expect(container.textContent).toBe('Sure.\n\n> On Monday\n> you wrote\nThanks');
    expect(container.querySelector('.quoted')?.textContent).toBe('> On Monday\n> you wrote\n');
  });
});
