#!/usr/bin/perl
# Drives a Citadel server with the real Net::Citadel module (libnet-citadel-perl) and prints
# what it saw, one tab-separated record per line, for tests/clients/net_citadel_test.ts.
#
# usage: perl net_citadel_probe.pl HOST PORT USER PASSWORD AIDE AIDE_PASSWORD
#
# Net::Citadel has no goto/list/read methods, so GOTO, MSGS and MSG0 are written to the
# module's socket directly, as its users do. It never sends QUIT: the socket closes when the
# object goes away.
use strict;
use warnings;
use Net::Citadel;

my ($host, $port, $user, $password, $aide, $aide_password) = @ARGV;
die "usage: $0 HOST PORT USER PASSWORD AIDE AIDE_PASSWORD\n" unless defined $aide_password;
$| = 1;

# The module has no timeouts: a missing reply would hang it for ever.
$SIG{ALRM} = sub { print "ERROR\ttimeout\n"; exit 3 };
alarm 60;

sub clean { my $s = shift; $s =~ s/[\r\n]+$//; return $s }

my $c = Net::Citadel->new(host => $host, port => $port);
$c->login($user, $password);
print "LOGIN\tok\n";

my $info = $c->citadel_info;
print "INFO\t", clean($_), "\n" for @$info;
print "TIME\t", $c->citadel_time, "\n";
print "ECHO\t", $c->citadel_echo("hello from perl"), "\n";

my @floors = $c->floors;
for my $f (@floors) {
    print "FLOOR\t", join("\t", clean($f->{id}), clean($f->{name}), clean($f->{nr_rooms})), "\n";
}
for my $f (@floors) {
    for my $r ($c->rooms(clean($f->{name}))) {
        # The module labels the fields wrongly (see real-clients.md §4); print them by position.
        print "ROOM\t", clean($f->{name}), "\t", join("\t",
            map { defined $_ ? clean($_) : "" }
            @$r{qw(name qr_flags qr2_flags floor order ua_flags view default last_mod)}), "\n";
    }
}

my $s = $c->{socket};
print $s "GOTO Lobby\n";
print "GOTO\t", clean(scalar <$s>), "\n";

print $s "MSGS ALL\n";
my $msgs = clean(scalar <$s>);
print "MSGS\t$msgs\n";
my @nums;
if ($msgs =~ /^1/) {
    while (defined(my $line = <$s>)) {
        last if $line =~ /^000/;
        push @nums, clean($line);
        print "MSGNUM\t", clean($line), "\n";
    }
}
for my $n (@nums[0 .. ($#nums < 2 ? $#nums : 2)]) {
    print $s "MSG0 $n\n";
    my $reply = clean(scalar <$s>);
    print "MSG0\t$n\t$reply\n";
    next unless $reply =~ /^1/;
    while (defined(my $line = <$s>)) {
        last if $line eq "000\n";
        print "MSGLINE\t$n\t", clean($line), "\n";
    }
}

$c->logout;
print "LOGOUT\tok\n";
undef $c;

# The administrative methods, as an Aide: floors, rooms and users.
my $a = Net::Citadel->new(host => $host, port => $port);
$a->login($aide, $aide_password);
$a->assert_floor("Perl Floor");
$a->assert_floor("Perl Floor");    # exists: "already exists" is not an error
print "ASSERT_FLOOR\tok\n";
$a->assert_room("Perl Floor", "Perl Room");
$a->assert_room("Perl Floor", "Perl Room");
print "ASSERT_ROOM\tok\n";
print "PERL_ROOM\t", clean($_->{name}), "\n" for $a->rooms("Perl Floor");
$a->create_user("Perl User", "perl-pw");
print "CREATE_USER\tok\n";
$a->change_user("Perl User", access_level => 5);
print "CHANGE_USER\tok\n";
$a->logout;
undef $a;

my $p = Net::Citadel->new(host => $host, port => $port);
$p->login("Perl User", "perl-pw");
print "PERL_USER_LOGIN\tok\n";
$p->logout;
undef $p;

# Clean-up methods: retract_floor (KFLR by list position) and remove_user (ASUP level 0).
my $z = Net::Citadel->new(host => $host, port => $port);
$z->login($aide, $aide_password);
$z->assert_floor("Perl Empty");
$z->retract_floor("Perl Empty");
print "FLOOR_AFTER\t", clean($_->{name}), "\n" for $z->floors;
$z->remove_user("Perl User");
print "REMOVE_USER\tok\n";
$z->logout;
print "DONE\tok\n";
