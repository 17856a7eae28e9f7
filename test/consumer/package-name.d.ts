// app/src/app.ts imports the package by its name, as a user does. The project
// is not installed into itself, so its own type check sees that module as
// untyped; consumer.test.ts type-checks the app against the packed
// declarations, inside a project that installed the tarball.
declare module 'cdk-event-pipeline';
