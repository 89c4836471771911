"""Face check (人证合一): the person at the counter against the photo on their document."""
