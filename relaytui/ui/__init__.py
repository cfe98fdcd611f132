"""The screen kit: the bases, dialogs and widgets that screens build on, below the app."""
